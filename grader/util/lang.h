/*
 * lang.h — the language of student-facing messages: English by
 * default, Chinese when asked. One process-wide choice, made once by the
 * mode that renders for students (single grading, and so each batch child);
 * every other mode keeps English (check-lab's messages are the authors').
 *
 *   T("wrong output", "输出不对")   the phrase in the chosen language
 *
 * Both phrases of a T() that is a format take the same arguments in the same
 * order, so that one call site serves both.
 */
#ifndef VIRTLAB_LANG_H
#define VIRTLAB_LANG_H

enum lang { LANG_EN, LANG_ZH };

/* The language asked for: opt (--lang: "en"/"zh") wins; else the first set
 * and non-empty of LC_ALL, LC_MESSAGES, LANG (POSIX's order): "zh" or
 * "zh_*" (zh_CN.UTF-8, zh_TW) is Chinese, anything else English. opt must
 * already be valid (lang_parse). Pure: the caller passes getenv()'s values. */
enum lang lang_select(const char *opt, const char *lc_all, const char *lc_messages, const char *lang);
/* "en"/"zh" → 0 and *out; else -1. */
int lang_parse(const char *s, enum lang *out);

void lang_set(enum lang l);
enum lang lang_get(void);

#define T(en, zh) (lang_get() == LANG_ZH ? (zh) : (en))

#endif
