from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rekisteri.messaging"
    label = "messaging"
    verbose_name = "Message history"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # A person's participation in shared message history is exported and
        # erased through this participant (rekisteri.core.participants); the
        # register's person_shred runs its erasure before the key is shredded.
        from rekisteri.core import participants
        from rekisteri.messaging.rights import PARTICIPANT_ENTRY

        participants.register(PARTICIPANT_ENTRY)
