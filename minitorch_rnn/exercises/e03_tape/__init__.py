"""Exercise 3: the backward pass over a tape (stub.py handed out, solution.py passes check.py)."""
