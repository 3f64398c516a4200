"""The dashboards' filter form, rendered fast (see forms.filter_fields_html)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from vocloop.dashboards.forms import DashboardFilterForm, filter_fields_html

register = template.Library()


@register.simple_tag
def filter_fields(form: DashboardFilterForm) -> SafeString:
    return filter_fields_html(form)
