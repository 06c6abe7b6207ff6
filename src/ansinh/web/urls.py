from django.urls import path

from . import (
    campaign_views,
    card_views,
    coverage_views,
    desk,
    field_views,
    imports_views,
    outreach_views,
    rules_views,
    second_factor_views,
    views,
)

# Every page of ansinh is routed here (ADR 0020: pages live in web/). The card and outreach pages keep their
# own URL namespaces ("cards:verify", "outreach:walk"), the coverage pages none; config/urls.py mounts the four.
card_urls = (
    [
        path("verify/", card_views.verify, name="verify"),
        path("cards/batch.pdf", card_views.batch_pdf, name="batch_pdf"),
        path("cards/<int:card_id>.pdf", card_views.card_pdf, name="card_pdf"),
    ],
    "cards",
)

coverage_urls = [
    path("coverage/", coverage_views.coverage_page, name="coverage"),
    path("coverage/export.<str:fmt>", coverage_views.coverage_export, name="coverage_export"),
]

outreach_urls = (
    [
        path("outreach/", outreach_views.home, name="home"),
        path("outreach/lists/<int:list_id>/", outreach_views.list_detail, name="list_detail"),
        path("outreach/lists/<int:list_id>/export.csv", outreach_views.export_csv, name="export_csv"),
        path("outreach/lists/<int:list_id>/teams/<int:number>/", outreach_views.walk, name="walk"),
        path(
            "outreach/lists/<int:list_id>/teams/<int:number>/walk.pdf",
            outreach_views.walk_pdf,
            name="walk_pdf",
        ),
        path("outreach/lists/<int:list_id>/rows/<int:row_id>/door/", outreach_views.door, name="door"),
        path("outreach/outbox/", outreach_views.outbox, name="outbox"),
        path("outreach/outbox/<int:message_id>/retry/", outreach_views.outbox_retry, name="outbox_retry"),
    ],
    "outreach",
)


app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", second_factor_views.second_factor_code, name="second_factor_code"),
    path("login/second-factor/", second_factor_views.second_factor_setup, name="second_factor_setup"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("persons/", views.person_search, name="person_search"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/villages/", views.person_villages, name="person_villages"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/household/", views.household_create, name="household_create"),
    path("persons/<int:person_id>/history.pdf", views.person_history_pdf, name="person_history_pdf"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("households/<int:household_id>/members/", views.household_add_member, name="household_add_member"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("imports/", imports_views.imports_home, name="imports"),
    path("imports/dedup/", imports_views.dedup_review, name="dedup_review"),
    path("imports/<int:job_id>/", imports_views.import_job, name="import_job"),
    path("imports/<int:job_id>/stop/", imports_views.import_job_stop, name="import_job_stop"),
    path("imports/<int:job_id>/resume/", imports_views.import_job_resume, name="import_job_resume"),
    path("imports/<int:job_id>/errors.xlsx", imports_views.import_job_errors, name="import_job_errors"),
    path("imports/reports/<str:name>", imports_views.import_report, name="import_report"),
    path("imports/templates/<str:kind>.xlsx", imports_views.import_template, name="import_template"),
    path("field/", field_views.field_home, name="field"),
    path("field/sync/", field_views.field_sync, name="field_sync"),
    path("field/conflicts/", field_views.field_conflicts, name="field_conflicts"),
    path("field/kits/<int:kit_id>/revoke/", field_views.field_revoke, name="field_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path(
        "users/<int:user_id>/second-factor/reset/",
        second_factor_views.second_factor_reset_view,
        name="user_second_factor_reset",
    ),
    path("calculator/", rules_views.hi_calculator, name="calculator"),
    path("calculator/vsi/", rules_views.vsi_calculator, name="calculator_vsi"),
    path("rules/", rules_views.rules_page, name="rules"),
    path("desk/", desk.desk_home, name="desk"),
    path("desk/person/<int:person_id>/", desk.desk_person, name="desk_person"),
    path("desk/person/<int:person_id>/quote/", desk.desk_quote, name="desk_quote"),
    path("desk/person/<int:person_id>/outcome/", desk.desk_outcome, name="desk_outcome"),
    path("desk/pay/", desk.desk_pay, name="desk_pay"),
    path("desk/enrollment/<int:enrollment_id>/", desk.desk_enrollment, name="desk_enrollment"),
    path("desk/enrollment/<int:enrollment_id>/confirm/", desk.desk_confirm, name="desk_confirm"),
    path("desk/enrollment/<int:enrollment_id>/outcomes/", desk.desk_outcomes, name="desk_outcomes"),
    path("desk/enrollment/<int:enrollment_id>/cards.pdf", desk.desk_cards_pdf, name="desk_cards_pdf"),
    path("desk/receipts/<int:receipt_id>/void/", desk.desk_void, name="desk_void"),
    path("desk/receipts/<int:receipt_id>/pdf/", desk.desk_receipt_pdf, name="desk_receipt_pdf"),
    path("desk/close/", desk.desk_close, name="desk_close"),
    path("desk/close/<int:close_id>/pdf/", desk.desk_close_pdf, name="desk_close_pdf"),
    path("campaigns/", campaign_views.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_views.campaign_create, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_dashboard, name="campaign_dashboard"),
    path(
        "campaigns/<int:campaign_id>/activities/",
        campaign_views.campaign_activities,
        name="campaign_activities",
    ),
    path(
        "campaigns/<int:campaign_id>/activities/<int:activity_id>/reach/",
        campaign_views.activity_reach,
        name="activity_reach",
    ),
    path(
        "campaigns/<int:campaign_id>/report.pdf",
        campaign_views.campaign_report_pdf,
        name="campaign_report_pdf",
    ),
    path(
        "campaigns/<int:campaign_id>/report.xlsx",
        campaign_views.campaign_report_xlsx,
        name="campaign_report_xlsx",
    ),
]
