from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "rekisteri.registry"
    label = "registry"
    verbose_name = "Customer register"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # Person and Organization ids are key subjects: `keys verify` counts
        # data keys whose subject is in neither table as orphans.
        from rekisteri.core import refusals
        from rekisteri.core.keyring import register_subject_model
        from rekisteri.registry.models import Organization, Person, Role

        register_subject_model(Person)
        register_subject_model(Organization)

        # A sole trader's name is found through the blind index.
        from django.db.models.signals import post_delete, post_save

        from rekisteri.registry import sealing

        post_save.connect(
            sealing.after_save, sender=Organization, dispatch_uid="sole_trader_name"
        )
        post_delete.connect(
            sealing.after_delete, sender=Organization, dispatch_uid="sole_trader_name"
        )

        # A refused request for a person's page or one of their roles is
        # linked to that person (rekisteri.core.refusals).
        def refused_person(kwargs):
            if "person_id" in kwargs:
                pk = kwargs["person_id"]
                return Person.objects.filter(pk=pk).values_list("pk", flat=True).first()
            if "role_id" in kwargs:
                rows = Role.objects.filter(pk=kwargs["role_id"])
                return rows.values_list("person_id", flat=True).first()
            return None

        refusals.register(refused_person)
