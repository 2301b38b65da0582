"""Exercise 7: SGD with momentum (stub.py handed out, solution.py passes check.py)."""
