"""recommendation modules."""
