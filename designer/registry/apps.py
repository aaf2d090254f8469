from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "designer.registry"
    label = "registry"

    def ready(self) -> None:
        # A dataset version that a registered model was trained on keeps the model's lineage whole.
        from designer.datasets.services import register_in_use_check

        from .services import dataset_version_used_by_models

        register_in_use_check(dataset_version_used_by_models)
