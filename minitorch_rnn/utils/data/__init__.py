"""Feeding a model batches, as torch's "Datasets & DataLoaders" tutorial teaches it.

A `Dataset` says how many samples there are and how to get sample ``i``; a sampler says in which
order to visit them (`SequentialSampler`, or `RandomSampler` for ``shuffle=True``); a
`BatchSampler` groups the order into lists of indices; the `DataLoader` fetches each list and
*collates* the samples into one batch (`default_collate`: a list of (x, y) pairs becomes the pair
(stacked xs, stacked ys)). The shuffled order is torch's after the same ``manual_seed``.

    from minitorch_rnn.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for xb, yb in loader: ...
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]
