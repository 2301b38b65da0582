"""Exercise 1: the numerical derivative (stub.py is handed out, solution.py passes check.py)."""
