from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "vocloop.customers"
