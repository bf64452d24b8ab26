"""Checkers for the exercises, one module per chapter: ``from book.exercises import ch01 as check``."""
