from django.apps import AppConfig


class ConductorConfig(AppConfig):
    name = "vocloop.conductor"
    verbose_name = "What happens when feedback arrives or a case changes"

    def ready(self) -> None:
        from vocloop.cases.changes import consumers_install
        from vocloop.conductor.case_changes import CASE_CHANGE_CONSUMERS

        consumers_install(CASE_CHANGE_CONSUMERS)
