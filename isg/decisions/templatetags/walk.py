"""Small template helpers for the walk's pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or an empty list: `{{ form.revealed|get_item:answer.id }}`."""
    return (mapping or {}).get(key, [])
