"""Pure normalisation functions: text, brand, sizes, unit price, GTIN, matching key, hash."""
