from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "rekisteri.registry"
    label = "registry"
    verbose_name = "Customer register"

    def ready(self) -> None:
        # Person and Organization ids are key subjects: `keys verify` counts
        # data keys whose subject is in neither table as orphans.
        from rekisteri.keystore.keys import register_subject_model
        from rekisteri.registry.models import Organization, Person

        register_subject_model(Person)
        register_subject_model(Organization)
