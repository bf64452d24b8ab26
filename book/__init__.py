"""The Python library behind *Calculus for AI: gradients and optimisation*.

One idea per module: ``calculus`` (numerical derivatives), ``autodiff`` (reverse-mode automatic differentiation),
``functions`` (the test objectives with exact gradients), ``geometry`` (level sets, Taylor models, critical
points), ``optim`` (optimizers as pure init/step pairs, ``run``, clipping, line search), ``schedules``
(learning-rate schedules), ``conventions`` (other libraries' and papers' forms of the optimizers, for comparison), ``networks`` (small networks and losses differentiated by ``autodiff``), ``display``
(showing the library's code in a notebook), ``descent`` (measuring what gradient descent does: rates, basins),
``stochastic`` (mini-batches, gradient noise, SGD training), ``training`` (schedule comparisons on a small network, the learning-rate range test), ``data`` (the bundled data sets), ``explore`` (live and static slider figures),
``plotting`` (the figure style), ``checks`` (exercise checkers); ``exercises`` holds one checker module per chapter
and ``figures`` one module of figure functions per chapter.
"""
