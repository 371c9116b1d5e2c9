from django import template

from isg.sso import config

register = template.Library()


@register.simple_tag
def sso_enabled() -> bool:
    """Whether the sign-in page offers single sign-on (the login view itself knows nothing of it)."""
    return config.enabled()
