from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "vocloop.improvement"

    def ready(self) -> None:
        from vocloop.improvement.digest import IMPROVEMENT_DIGEST
        from vocloop.notifications.digest import digest_section_add

        digest_section_add(IMPROVEMENT_DIGEST)
