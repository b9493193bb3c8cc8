"""Lapse and follow-up: who among voluntary SI participants is due, overdue or lapsed."""
