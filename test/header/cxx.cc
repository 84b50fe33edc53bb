// The public header must compile alone as C++ (extern "C" linkage).
#include <fanotify/fanotify.h>

int main()
{
	struct fan_group_opts o = {};
	o.sz = sizeof(o);
	return (LIBFANOTIFY_CHECK_VERSION(1, 0, 0) && o.sz) ? 0 : 1;
}
