/* The public header must compile alone, as strict C99. */
#include <fanotify/fanotify.h>

int main(void)
{
	return LIBFANOTIFY_CHECK_VERSION(1, 0, 0) && fan_version_major() == LIBFANOTIFY_VERSION_MAJOR ? 0 : 1;
}
