"""The newsletters' public pages: hosted copies (``/newsletter/<uuid>``, ``/newsletter/id/<id_name>``)
and their images (``/newsletter/image/<token>``). Included at ``newsletter/`` by the project."""

from django.urls import path

from . import images, views

app_name = "newsletters"

urlpatterns = [
    path("image/<str:token>", images.image_view, name="image"),
    path("id/<str:id_name>", views.latest_newsletter, name="latest"),
    path("<str:uuid>", views.hosted_newsletter, name="hosted"),
]
