from django.urls import path

from . import views

urlpatterns = [
    path("health/report", views.health_report, name="health_report"),
    path("metrics", views.metrics, name="metrics"),
]
