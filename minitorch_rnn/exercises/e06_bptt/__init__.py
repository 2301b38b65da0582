"""Exercise 6: BPTT by hand (stub.py handed out, solution.py passes check.py)."""
