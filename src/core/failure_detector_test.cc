#include "core/failure_detector.h"
#include <gtest/gtest.h>
