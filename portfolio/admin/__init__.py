"""The Korean admin where the office keeps the portfolio up to date."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portfolio.admin import ledger, money, performance, programs, results, site  # noqa: F401  (registers the model admins)

admin.site.site_header = _("Gwangju AI portfolio")
admin.site.site_title = _("Gwangju AI portfolio")
admin.site.index_title = _("AI Industry Office")
admin.site.empty_value_display = "–"
# The office's monitors are 1366 px wide: the model menu beside every page would leave the lists
# too little room. The index lists every model.
admin.site.enable_nav_sidebar = False
