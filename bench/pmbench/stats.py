"""Medians, spreads and geometric means."""
import math
import statistics


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    """(max - min) / median: how noisy a set of runs was."""
    if len(values) < 2:
        return 0.0
    m = statistics.median(values)
    return (max(values) - min(values)) / m if m else 0.0


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def ratio(a, b):
    return a / b if a is not None and b else None
