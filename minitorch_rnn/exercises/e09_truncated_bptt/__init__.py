"""Exercise 9: a truncated-BPTT training loop (stub.py handed out, solution.py passes check.py)."""
