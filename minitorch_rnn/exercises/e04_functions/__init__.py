"""Exercise 4: Functions for the real engine (stub.py handed out, solution.py passes check.py)."""
