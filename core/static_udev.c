/* static_udev.c - link shim for STATIC=1: Debian has no libudev.a, so report "no udev". */
#include <stddef.h>

/*
 * hwloc's Linux backend asks udev only for extra block-device attributes
 * (serial number, model) and carries on with sysfs when udev_new() fails.
 * These definitions are compiled into the static binary only.
 */
struct udev;
struct udev_device;

struct udev *udev_new(void)
{
	return NULL;
}

struct udev *udev_unref(struct udev *udev)
{
	(void)udev;
	return NULL;
}

struct udev_device *udev_device_new_from_subsystem_sysname(struct udev *udev, const char *subsystem,
							   const char *sysname)
{
	(void)udev;
	(void)subsystem;
	(void)sysname;
	return NULL;
}

struct udev_device *udev_device_unref(struct udev_device *dev)
{
	(void)dev;
	return NULL;
}

const char *udev_device_get_property_value(struct udev_device *dev, const char *key)
{
	(void)dev;
	(void)key;
	return NULL;
}
