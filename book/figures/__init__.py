"""The chapters' figures: pure functions of their parameters that draw on ``ax`` (or ``fig``) and return it."""
