"""The Python library behind *Calculus for AI: gradients and optimisation*.

One idea per module:

- ``calculus`` (numerical derivatives), ``autodiff`` (reverse-mode automatic differentiation), ``forward`` (dual
  numbers), ``functions`` (test objectives with exact gradients), ``geometry`` (level sets, Taylor models, critical
  points);
- ``optim`` (optimizers as pure init/step pairs, ``run``, clipping, line search), ``schedules`` (learning-rate
  schedules), ``descent`` (measuring what gradient descent does: rates, basins), ``stochastic`` (mini-batches,
  gradient noise, SGD training), ``momentum`` (iteration matrices and rates of heavy ball and Nesterov), ``adaptive``
  (per-coordinate methods' numerics), ``training`` (schedule comparisons, the learning-rate range test),
  ``conventions`` (other libraries' and papers' forms of the same optimizers);
- ``networks`` (small networks and losses differentiated by ``autodiff``), ``scale`` (the large-model recipe,
  clipping, gradient accumulation, training-state memory and sharding, bf16), ``landscape`` (saddles, loss-surface
  slices), ``lm`` (the MLP character-level language model), ``transformer`` (a GPT-style transformer on
  ``autodiff``), ``text`` (Tiny Shakespeare, its vocabulary and split), ``ngram`` (language models by counting),
  ``data`` (the bundled data sets);
- ``explore`` (live and static slider figures), ``plotting`` (the figure style), ``display`` (showing the library's
  code in a notebook), ``checks`` (exercise checkers); ``exercises`` holds one checker module per chapter and
  ``figures`` one module of figure functions per chapter.
"""
