"""Exercise 2: a scalar autograd Value (stub.py is handed out, solution.py passes check.py)."""
