// SPDX-License-Identifier: GPL-2.0-only
/*
 * gpupt_vfio_test: a vfio-pci variant driver for gpupt's tests.
 *
 * It does what every variant driver in drivers/vfio/pci/ does at the least:
 * a pci_driver whose ids are PCI_DRIVER_OVERRIDE_DEVICE_VFIO (so depmod
 * writes "vfio_pci:v…" aliases and the driver binds only a device whose
 * driver_override names it), and a vfio_device built on vfio_pci_core,
 * registered with the VFIO core. A VM manager can open the device through
 * its group like one on vfio-pci; it adds no device-specific feature (no
 * migration), which gpupt's tests do not need: they check which driver
 * gpupt picks and that the kernel binds it.
 *
 * The id is QEMU's bochs display (1234:1111), the device the VM tests claim.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static int gpupt_vfio_test_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev =
		container_of(core_vdev, struct vfio_pci_core_device, vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}

static const struct vfio_device_ops gpupt_vfio_test_ops = {
	.name = "gpupt-vfio-test",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = gpupt_vfio_test_open_device,
	.close_device = vfio_pci_core_close_device,
	.ioctl = vfio_pci_core_ioctl,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = vfio_pci_core_read,
	.write = vfio_pci_core_write,
	.mmap = vfio_pci_core_mmap,
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
};

static int gpupt_vfio_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev, &gpupt_vfio_test_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static void gpupt_vfio_test_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static const struct pci_device_id gpupt_vfio_test_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(0x1234, 0x1111) },
	{}
};
MODULE_DEVICE_TABLE(pci, gpupt_vfio_test_table);

static struct pci_driver gpupt_vfio_test_driver = {
	.name = KBUILD_MODNAME,
	.id_table = gpupt_vfio_test_table,
	.probe = gpupt_vfio_test_probe,
	.remove = gpupt_vfio_test_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	.driver_managed_dma = true,
};
module_pci_driver(gpupt_vfio_test_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfio-pci variant driver for gpupt's tests (QEMU bochs display)");
