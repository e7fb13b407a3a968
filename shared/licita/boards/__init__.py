"""Kanban boards: the bid pipeline as lists and cards."""
