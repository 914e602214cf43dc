"""Online booking. The safety-screening questions live in ``screening.py``."""
