"""For shoppers: price watches (and, to come, the cheapest split of a basket)."""
