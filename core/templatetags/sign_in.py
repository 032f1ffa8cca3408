"""Template tags of the login page: ``{% oidc_sign_in next as oidc %}`` gives the OIDC
provider's ``name`` and the ``url`` starting its sign-in (back to ``next`` after it) while OIDC
sign-in is on, else None."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from core.oidc import oidc_enabled, provider_name

register = template.Library()


@register.simple_tag
def oidc_sign_in(next_url: str = "") -> dict | None:
    """``{"name": provider name, "url": "/oidc/authenticate/?next=…"}`` or None while OIDC is off."""
    if not oidc_enabled():
        return None
    url = reverse("oidc_authentication_init")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return {"name": provider_name(), "url": url}
