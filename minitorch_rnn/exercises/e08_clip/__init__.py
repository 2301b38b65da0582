"""Exercise 8: gradient clipping (stub.py handed out, solution.py passes check.py)."""
