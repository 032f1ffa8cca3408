"""``/oidc/`` (included by the project): start of an OIDC sign-in and the provider's callback
(URL names as mozilla-django-oidc's)."""

from django.urls import path

from .oidc import OIDCAuthenticateView, OIDCCallbackView

urlpatterns = [
    path("authenticate/", OIDCAuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
]
