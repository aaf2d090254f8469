"""The model registry: trained-model outputs of runs registered under a name, with versions, lineage and
portable bundles."""
