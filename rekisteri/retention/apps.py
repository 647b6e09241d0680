from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "rekisteri.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        # The top floor: lower apps announce their changes through Django
        # signals and read the legal periods through core.fiscal's hook.
        from rekisteri.core import fiscal, participants, precommit
        from rekisteri.registry import extensions
        from rekisteri.retention import periods, sections, signals

        fiscal.register_years(periods.years_for)
        signals.connect()
        precommit.register("retention", signals.flush_now)
        extensions.register_person_section("retention", sections.person_section)
        extensions.register_person_annotations("retention", sections.person_rows)
        extensions.register_organization_section(
            "retention", sections.organization_section
        )
        participants.register(sections.PARTICIPANT)

        from rekisteri.privacy import panels
        from rekisteri.retention import dashboard

        panels.register("retention", dashboard.panel)
        from rekisteri.retention import checks  # noqa: F401
