"""The Python library behind *Calculus for AI: gradients and optimisation*.

One idea per module: ``calculus`` (numerical derivatives), ``explore`` (live and static slider figures),
``plotting`` (the figure style), ``checks`` (exercise checkers) and ``exercises`` (one checker module per chapter).
"""
