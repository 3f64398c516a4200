from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "vocloop.server"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from vocloop.server.middleware import session_renewed_at_login

        user_logged_in.connect(session_renewed_at_login, dispatch_uid="vocloop-session-renewed")
