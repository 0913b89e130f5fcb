/*
 * limits.h - every bound of the API in one place, each citing its source
 * (like httpd.h's SERVER_MAX* block).
 */
#ifndef WJ_LIMITS_H
#define WJ_LIMITS_H

#define WJ_PARAM_MAX		255	/* a path or query parameter */
#define WJ_LIST_LIMIT_MAX	1000	/* list limit 0..1000 */
#define WJ_LIST_LIMIT_DEFAULT	1000
#define WJ_LIST_OFFSET_MAX	10000	/* list offset */
#define WJ_LIST_FILTER_VALUES	16	/* repeated status/job_type keys kept */
#define WJ_TRACES_LIMIT_MAX	200	/* ListTraces limit 1..200 */
#define WJ_TRACES_LIMIT_DEFAULT	10
#define WJ_DELETE_IDS_MAX	10	/* batch delete: job_ids 1..10 */
#define WJ_DELETE_STATUS_MAX	55	/* delete_by_status 0..55 */
#define WJ_JOB_TYPE_MAX		55	/* job_type 1..55 */
#define WJ_ERROR_CODE_MAX	55	/* error_code 1..55 */
#define WJ_FAIL_REASON_MAX	255	/* fail_reason 1..255 */
#define WJ_ENTITY_FIELD_MAX	55	/* JobEntities members 1..55 */
#define WJ_FREE_TEXT_MAX	255	/* host, attach_user, entity, ip_address */
#define WJ_CREATE_SUB_JOBS_MAX	1000	/* create: 1..1000 sub-jobs */
#define WJ_CLAIM_MAX		100	/* claim: max 1..100 */
#define WJ_LEASE_MIN_S		5	/* lease_seconds 5..3600 */
#define WJ_LEASE_MAX_S		3600
#define WJ_CLIENT_TOKEN_MAX	64	/* X-Client-Token length */
#define WJ_BODY_MAX_PUBLIC	(64 * 1024)	/* public API bodies are tiny */
#define WJ_BODY_MAX_INTERNAL	(4 * 1024 * 1024) /* 1000 sub-jobs */
#define WJ_URI_MAX		8192
#define WJ_HEADER_VALUE_MAX	40000	/* spec: X-Auth-Token 1..40000 */
#define WJ_SKEW_MS		(15 * 60 * 1000) /* X-Sdk-Date: ±15 min */
#define WJ_MAX_ATTEMPTS_DEFAULT	3	/* lease expiries to FAILED */

#endif
