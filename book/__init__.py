"""The Python library behind *Calculus for AI: gradients and optimisation*.

One idea per module:

- ``numerics`` (stable sigmoid, log-sum-exp, softmax, log-softmax and cross-entropy on arrays), ``calculus``
  (numerical derivatives), ``autodiff`` (reverse-mode automatic differentiation), ``forward`` (dual numbers),
  ``functions`` (objectives with exact gradients: quadratics, Rosenbrock, the saddle, linear, logistic and softmax
  regression), ``geometry`` (level sets, Taylor models, critical points), ``data`` (the bundled and the seeded
  synthetic data sets);
- ``optim`` (optimizers as pure init/step pairs, ``run``, clipping, line search), ``schedules`` (learning-rate
  schedules), ``convergence`` (rates and iteration counts, contraction on quadratics, momentum's iteration matrices
  and best parameters, conditioning and smoothness, basins), ``noise`` (mini-batches and gradient noise: variance,
  the noise ball, SGD training by epochs, the noise scale, gradient accumulation), ``adaptive`` (adaptive step sizes
  measured), ``training`` (training runs: schedule comparisons, the learning-rate range test), ``conventions``
  (other libraries' and papers' forms of the same optimizers, Sutskever's and Polyak's momentum among them);
- ``networks`` (small networks and losses differentiated by ``autodiff``), ``scale`` (the large-model recipe,
  clipping, training-state memory and sharding, pipelines, bf16 and fp16), ``landscape`` (saddles, loss-surface
  slices), ``lm`` (the MLP character-level language model), ``transformer`` (a GPT-style transformer on
  ``autodiff``, and the stability of its attention and logits), ``text`` (Tiny Shakespeare, its vocabulary and
  split), ``ngram`` (language models by counting);
- ``explore`` (live and static slider figures), ``plotting`` (the figure style), ``display`` (showing the library's
  code in a notebook), ``checks`` (exercise checkers); ``exercises`` holds one checker module per chapter and
  ``figures`` one module of figure functions per chapter.
"""
