/*
 * THE route table: the only file that names every handler.  Rows are
 * grouped by module.  tests/unit/core/test_router.c checks it: no duplicate
 * method + path, every row has a rate class, and every write has a schema
 * and a limit.
 */
#include "autoconfig.h"

#include <stddef.h>

#include "auth/auth.h"
#include "core/router.h"
#include "documents/documents.h"
#include "files/files.h"
#include "files/storage.h"
#include "maintenance/maintenance.h"
#include "motorcycles/motorcycles.h"
#include "fuel/fuel.h"
#include "ops/ops.h"
#include "parts/parts.h"
#include "photos/photos.h"
#include "reports/reports.h"
#include "users/users.h"

const struct route routes[] = {
	/* ops: outside /v1, public (nginx restricts /metrics) */
	{ .method = M_GET, .path = "/health", .fn = ops_health,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/health/ready", .fn = ops_ready,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/metrics", .fn = ops_metrics,
	  .auth = AUTH_NONE, .rate = RATE_NONE, .readonly = 1 },
	{ .method = M_GET, .path = "/v1/openapi.json", .fn = ops_openapi,
	  .auth = AUTH_NONE, .rate = RATE_READ, .readonly = 1 },

	/* auth: sign-up, sign-in and sessions */
	{ .method = M_POST, .path = "/v1/auth/register", .fn = auth_register,
	  .auth = AUTH_NONE, .rate = RATE_AUTH, .body_max = 4096,
	  .schema = &auth_register_in },
	{ .method = M_POST, .path = "/v1/auth/login", .fn = auth_login,
	  .auth = AUTH_NONE, .rate = RATE_AUTH, .body_max = 4096,
	  .schema = &auth_login_in },
	{ .method = M_POST, .path = "/v1/auth/logout", .fn = auth_logout,
	  .auth = AUTH_SESSION, .rate = RATE_WRITE, .body_max = 1024 },
	{ .method = M_POST, .path = "/v1/auth/refresh", .fn = auth_refresh,
	  .auth = AUTH_NONE, .rate = RATE_AUTH, .body_max = 1024,
	  .schema = &auth_refresh_in },
	{ .method = M_GET, .path = "/v1/auth/session", .fn = auth_session,
	  .auth = AUTH_SESSION, .rate = RATE_READ, .readonly = 1 },
	{ .method = M_POST, .path = "/v1/auth/forgot-password",
	  .fn = auth_forgot_password, .auth = AUTH_NONE, .rate = RATE_AUTH,
	  .body_max = 1024, .schema = &auth_forgot_in },
	{ .method = M_POST, .path = "/v1/auth/reset-password",
	  .fn = auth_reset_password, .auth = AUTH_NONE, .rate = RATE_AUTH,
	  .body_max = 1024, .schema = &auth_reset_in },
	{ .method = M_POST, .path = "/v1/auth/verify-email",
	  .fn = auth_verify_email, .auth = AUTH_NONE, .rate = RATE_AUTH,
	  .body_max = 1024, .schema = &auth_token_in },
	{ .method = M_POST, .path = "/v1/auth/enable-mfa", .fn = auth_enable_mfa,
	  .auth = AUTH_SESSION, .rate = RATE_WRITE, .body_max = 1024,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_POST, .path = "/v1/auth/verify-mfa", .fn = auth_verify_mfa,
	  .auth = AUTH_SESSION, .rate = RATE_AUTH, .body_max = 1024,
	  .schema = &auth_mfa_in, .perm = PERM_WRITE_OWN },
	{ .method = M_POST, .path = "/v1/auth/oauth/{provider}",
	  .fn = auth_oauth, .auth = AUTH_NONE, .rate = RATE_AUTH,
	  .body_max = 16384, .schema = &auth_oauth_in },

	/* auth: API keys (managed with a session, never with a key) */
	{ .method = M_POST, .path = "/v1/api-keys", .fn = apikey_create,
	  .auth = AUTH_SESSION, .rate = RATE_WRITE, .body_max = 4096,
	  .schema = &apikey_in, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/api-keys", .fn = apikey_list,
	  .auth = AUTH_SESSION, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/api-keys/{id}", .fn = apikey_get,
	  .auth = AUTH_SESSION, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_DELETE, .path = "/v1/api-keys/{id}", .fn = apikey_delete,
	  .auth = AUTH_SESSION, .rate = RATE_WRITE, .perm = PERM_WRITE_OWN },

	/* auth: administration */
	{ .method = M_GET, .path = "/v1/admin/users/{id}", .fn = admin_user_get,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_ADMIN_USERS },
	{ .method = M_PUT, .path = "/v1/admin/users/{id}",
	  .fn = admin_user_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 1024, .schema = &admin_user_in,
	  .perm = PERM_ADMIN_USERS },

	/*
	 * users: own profile and account, search, follows.  The literal
	 * /v1/users/... paths come before /v1/users/{id}: the first row that
	 * matches wins.
	 */
	{ .method = M_GET, .path = "/v1/users/profile", .fn = users_profile_get,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_PUT, .path = "/v1/users/profile",
	  .fn = users_profile_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 8192, .schema = &users_profile_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE, .path = "/v1/users/account",
	  .fn = users_account_delete, .auth = AUTH_SESSION, .rate = RATE_WRITE,
	  .body_max = 1024, .schema = &users_delete_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/users/search", .fn = users_search,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_PUBLIC },
	{ .method = M_POST, .path = "/v1/users/follow", .fn = users_follow,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .body_max = 1024,
	  .schema = &users_follow_in, .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE, .path = "/v1/users/follow/{user_id}",
	  .fn = users_unfollow, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/users/followers", .fn = users_followers,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/users/following", .fn = users_following,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/users/{id}", .fn = users_get,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_PUBLIC },

	/*
	 * documents: a bike's papers (viewers read, download and share;
	 * editors and the owner upload, change, renew and delete; the
	 * handlers check the role).  .../documents/expiring comes before
	 * .../documents/{docId}.  Uploads read their own body (multipart or
	 * the raw file): no schema, the limit a file plus its fields.
	 */
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/documents",
	  .fn = doc_list, .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/documents",
	  .fn = doc_create, .auth = AUTH_USER, .rate = RATE_UPLOAD,
	  .body_max = DOC_BODY_MAX, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/documents/expiring",
	  .fn = doc_expiring, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/documents/{docId}",
	  .fn = doc_get, .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_PUT, .path = "/v1/motorcycles/{id}/documents/{docId}",
	  .fn = doc_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 16384, .schema = &doc_update_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE,
	  .path = "/v1/motorcycles/{id}/documents/{docId}",
	  .fn = doc_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_POST,
	  .path = "/v1/motorcycles/{id}/documents/{docId}/renew",
	  .fn = doc_renew, .auth = AUTH_USER, .rate = RATE_UPLOAD,
	  .body_max = DOC_BODY_MAX, .perm = PERM_WRITE_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/documents/{docId}/versions",
	  .fn = doc_versions, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/documents/{docId}/file",
	  .fn = doc_file, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/documents/{docId}/versions/{version}/file",
	  .fn = doc_version_file, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST,
	  .path = "/v1/motorcycles/{id}/documents/{docId}/links",
	  .fn = doc_link, .auth = AUTH_USER, .rate = RATE_READ,
	  .body_max = 1024, .schema = &doc_link_in, .perm = PERM_READ_OWN },

	/*
	 * fuel: a bike's fill-ups (viewers read, editors and the owner
	 * write; the handlers check the role).  .../fuel/stats comes before
	 * .../fuel/{fuel_id}.
	 */
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/fuel", .fn = fuel_list,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/fuel",
	  .fn = fuel_create, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 16384, .schema = &fuel_create_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/fuel/stats",
	  .fn = fuel_stats, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/fuel/{fuel_id}",
	  .fn = fuel_get, .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_PUT, .path = "/v1/motorcycles/{id}/fuel/{fuel_id}",
	  .fn = fuel_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 16384, .schema = &fuel_update_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE, .path = "/v1/motorcycles/{id}/fuel/{fuel_id}",
	  .fn = fuel_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },

	/*
	 * photos: a bike's photos (viewers read, editors and the owner add
	 * and delete; the handlers check the role).  The upload reads its
	 * own body (multipart or the raw image) through the files intake.
	 */
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/photos",
	  .fn = photo_list, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/photos",
	  .fn = photo_create, .auth = AUTH_USER, .rate = RATE_UPLOAD,
	  .body_max = PHOTO_BODY_MAX, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/photos/{photoId}",
	  .fn = photo_get, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_DELETE,
	  .path = "/v1/motorcycles/{id}/photos/{photoId}",
	  .fn = photo_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/photos/{photoId}/{variant}",
	  .fn = photo_variant, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },

	/* parts: the caller's parts inventory */
	{ .method = M_GET, .path = "/v1/parts", .fn = parts_list,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/parts", .fn = parts_create,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .body_max = 16384,
	  .schema = &parts_create_in, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/parts/{id}", .fn = parts_get,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_PUT, .path = "/v1/parts/{id}", .fn = parts_update,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .body_max = 16384,
	  .schema = &parts_update_in, .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE, .path = "/v1/parts/{id}", .fn = parts_delete,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .perm = PERM_WRITE_OWN },

	/*
	 * maintenance: service records, schedules, due lists.  Every
	 * /v1/motorcycles/{id}/... handler checks access to the bike itself
	 * (viewer reads, editor writes).  .../maintenance/due comes before
	 * .../maintenance/{recordId}: the first row that matches wins.
	 */
	{ .method = M_GET, .path = "/v1/maintenance/due", .fn = maint_due_all,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN, .cache_key = maint_due_all_key },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/maintenance/due",
	  .fn = maint_due_bike, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/maintenance",
	  .fn = maint_record_list, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/maintenance",
	  .fn = maint_record_create, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 262144, .schema = &maint_record_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/maintenance/{recordId}",
	  .fn = maint_record_get, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_PUT,
	  .path = "/v1/motorcycles/{id}/maintenance/{recordId}",
	  .fn = maint_record_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 262144, .schema = &maint_record_update_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE,
	  .path = "/v1/motorcycles/{id}/maintenance/{recordId}",
	  .fn = maint_record_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/schedules",
	  .fn = maint_schedule_list, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/schedules",
	  .fn = maint_schedule_create, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 65536, .schema = &maint_schedule_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/schedules/{scheduleId}",
	  .fn = maint_schedule_get, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_PUT,
	  .path = "/v1/motorcycles/{id}/schedules/{scheduleId}",
	  .fn = maint_schedule_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 65536, .schema = &maint_schedule_update_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE,
	  .path = "/v1/motorcycles/{id}/schedules/{scheduleId}",
	  .fn = maint_schedule_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },

	/*
	 * motorcycles: the garage, sharing and transfer, search, the value
	 * estimate, VIN decoding.  The literal /v1/motorcycles/search comes
	 * before /v1/motorcycles/{id}.
	 */
	{ .method = M_POST, .path = "/v1/motorcycles", .fn = moto_create,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .body_max = 16384,
	  .schema = &moto_create_in, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles", .fn = moto_list,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN, .cache_key = moto_list_key },
	{ .method = M_GET, .path = "/v1/motorcycles/search", .fn = moto_search,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}", .fn = moto_get,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_PUT, .path = "/v1/motorcycles/{id}", .fn = moto_update,
	  .auth = AUTH_USER, .rate = RATE_WRITE, .body_max = 16384,
	  .schema = &moto_update_in, .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE, .path = "/v1/motorcycles/{id}",
	  .fn = moto_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/value-estimate",
	  .fn = moto_value_estimate, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/collaborators",
	  .fn = moto_collab_add, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 1024, .schema = &moto_collab_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/collaborators",
	  .fn = moto_collab_list, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET,
	  .path = "/v1/motorcycles/{id}/collaborators/{user_id}",
	  .fn = moto_collab_get, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_PUT,
	  .path = "/v1/motorcycles/{id}/collaborators/{user_id}",
	  .fn = moto_collab_update, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 1024, .schema = &moto_role_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_DELETE,
	  .path = "/v1/motorcycles/{id}/collaborators/{user_id}",
	  .fn = moto_collab_delete, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/transfer",
	  .fn = moto_transfer, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = 1024, .schema = &moto_transfer_in,
	  .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/vin/{vin}", .fn = moto_vin,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_PUBLIC },

	/* reports: costs, the chart, CSV export and import */
	{ .method = M_GET, .path = "/v1/costs", .fn = reports_garage_costs,
	  .auth = AUTH_USER, .rate = RATE_READ, .readonly = 1,
	  .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/costs",
	  .fn = reports_costs, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/costs.svg",
	  .fn = reports_costs_svg, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/maintenance.csv",
	  .fn = reports_maint_export, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/maintenance.csv",
	  .fn = reports_maint_import, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = REP_IMPORT_BODY_MAX, .perm = PERM_WRITE_OWN },
	{ .method = M_GET, .path = "/v1/motorcycles/{id}/fuel.csv",
	  .fn = reports_fuel_export, .auth = AUTH_USER, .rate = RATE_READ,
	  .readonly = 1, .perm = PERM_READ_OWN },
	{ .method = M_POST, .path = "/v1/motorcycles/{id}/fuel.csv",
	  .fn = reports_fuel_import, .auth = AUTH_USER, .rate = RATE_WRITE,
	  .body_max = REP_IMPORT_BODY_MAX, .perm = PERM_WRITE_OWN },

	/* files: signed download links (no credentials; the token is the key) */
	{ .method = M_GET, .path = "/v1/files/{token}", .fn = download_link_get,
	  .auth = AUTH_NONE, .rate = RATE_READ, .readonly = 1 },

	/* test stacks only (debug_routes = 1) */
	{ .method = M_POST, .path = "/v1/_debug/echo", .fn = ops_debug_echo,
	  .auth = AUTH_NONE, .rate = RATE_WRITE, .body_max = 1024,
	  .schema = &ops_echo_in, .debug = 1 },
	{ .method = M_GET, .path = "/v1/_debug/sleep", .fn = ops_debug_sleep,
	  .auth = AUTH_NONE, .rate = RATE_READ, .readonly = 1, .debug = 1 },
	{ .method = M_PUT, .path = "/v1/_debug/objects", .fn = files_debug_put,
	  .auth = AUTH_NONE, .rate = RATE_UPLOAD, .body_max = 10485760 + 65536,
	  .debug = 1 },
	{ .method = M_GET, .path = "/v1/_debug/object", .fn = files_debug_get,
	  .auth = AUTH_OPTIONAL, .rate = RATE_READ, .readonly = 1,
	  .debug = 1 },
	{ .method = M_DELETE, .path = "/v1/_debug/object",
	  .fn = files_debug_delete, .auth = AUTH_NONE, .rate = RATE_WRITE,
	  .debug = 1 },
	{ .method = M_GET, .path = "/v1/_debug/object-bytes",
	  .fn = files_debug_bytes, .auth = AUTH_NONE, .rate = RATE_READ,
	  .readonly = 1, .debug = 1 },
	{ .method = M_POST, .path = "/v1/_debug/object-link",
	  .fn = files_debug_link, .auth = AUTH_NONE, .rate = RATE_WRITE,
	  .body_max = 1024, .debug = 1 },
	{ .method = M_POST, .path = "/v1/_debug/upload",
	  .fn = files_debug_upload, .auth = AUTH_OPTIONAL, .rate = RATE_UPLOAD,
	  .body_max = 10485760 + 65536, .debug = 1 },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
