"""Model registry and one provider module per vendor; providers import their SDK only when first used."""
