from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vocloop.accounts"
