// pthread_atfork handlers: every lock is taken before fork and released (parent) or reset
// (child) after it, so the child can allocate, also after a fork from a threaded parent.
#pragma once

namespace pm {
void fork_handlers_install();
}
