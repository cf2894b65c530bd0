"""Item pipelines: validate -> normalise -> database writer (see docs/PIPELINES.md).

Each family of spiders names its pipelines in its ``custom_settings["ITEM_PIPELINES"]``:
"""

# A store's catalogue (or a sample of it): listing pages of products.
PRICE_PIPELINES: dict[str, int] = {
    "grocer.pipelines.validate.ValidatePipeline": 100,
    "grocer.pipelines.normalize.NormalizePipeline": 200,
    "grocer.pipelines.store_prices.StorePricesPipeline": 300,
}
# A store locator's sweep: stores.
STORE_PIPELINES: dict[str, int] = {
    "grocer.pipelines.validate.ValidatePipeline": 100,
    "grocer.pipelines.store_upsert.StoresPipeline": 400,
}
# Coles product pages: each page's barcode outcome.
BARCODE_PIPELINES: dict[str, int] = {
    "grocer.pipelines.validate.ValidatePipeline": 100,
    "grocer.pipelines.barcodes.BarcodesPipeline": 500,
}
