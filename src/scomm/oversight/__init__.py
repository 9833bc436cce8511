"""Oversight products: transparency statistics, compliance, audit samples, monitors, costs."""
