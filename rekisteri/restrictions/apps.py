from django.apps import AppConfig


class RestrictionsConfig(AppConfig):
    name = "rekisteri.restrictions"
    label = "restrictions"
    verbose_name = "Restriction and objection"

    def ready(self) -> None:
        # The lower apps ask through their registries and never import this
        # app: the enforcement point (access.enforce), the registry's contact
        # listeners and restriction status. Imported here because the
        # services import models, which cannot load before the app registry.
        from rekisteri.access import enforce
        from rekisteri.registry import extensions, hooks
        from rekisteri.restrictions import selectors, services

        enforce.register_refusal("restriction", services.refuse_if_restricted)
        hooks.register_contact_listener("suppression", services.suppression_check)
        hooks.register_contact_listener_many(
            "suppression", services.suppression_check_many
        )
        hooks.register_restriction_status("restriction", services.is_restricted)
        hooks.register_suppression_query("suppression", services.is_suppressed)
        hooks.register_suppression_query_many("suppression", services.suppressed_of)
        extensions.register_person_annotations("restrictions", selectors.person_flags)
