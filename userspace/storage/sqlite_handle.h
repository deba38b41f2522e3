// The storage module's names for the SQLite RAII types (userspace/sqlite_handle).
#pragma once

#include "sqlite_handle/sqlite_handle.h"

namespace validprof::storage {

using sqlite_handle::SqliteConnection;
using sqlite_handle::Statement;
using sqlite_handle::StatementScope;
using sqlite_handle::Transaction;

}  // namespace validprof::storage
